// Server-Sent Events read from a fetch() Response body. EventSource cannot POST or send
// an Authorization header, so the advice stream is parsed here, following the
// WHATWG event-stream rules: "field: value" lines, a blank line ends an event.

function parseData(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Yields {event, id, data} for each event; data is parsed as JSON when it is JSON. */
export async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = "message";
  let id = null;
  let data = [];
  const take = function* (line) {
    if (line === "") {
      if (data.length) yield { event, id, data: parseData(data.join("\n")) };
      event = "message";
      data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value || "message";
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      // A chunk may end between "\r" and "\n": keep a trailing "\r" for the next one.
      const cut = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
      buffer = lines.pop() + buffer.slice(cut);
      for (const line of lines) yield* take(line);
    }
    if (buffer) yield* take(buffer.replace(/\r$/, ""));
    yield* take("");
  } finally {
    reader.releaseLock();
  }
}
