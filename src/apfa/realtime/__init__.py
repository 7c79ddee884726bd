"""The real-time admin channel: Socket.IO on ``/ws/socket.io`` (JSON) and
``/ws/msgpack/socket.io`` (MessagePack), fed by ``apfa.events``. See docs/realtime.md."""
