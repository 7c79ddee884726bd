"""Events about background work (task updates, batch progress, index swaps, metrics).

Producers (the task engines, index activation) publish through an ``EventSink``; the
real-time channel delivers them to subscribed Socket.IO clients in every API process.
"""
