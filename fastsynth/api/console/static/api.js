// The REST API as the console calls it: JSON bodies, the bearer token on every call, and a refusal
// as an ApiError holding the problem details' `detail` and `field`. The console uses nothing else.

const TOKEN_KEY = "fastsynth.token";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || `HTTP ${status}`);
    this.status = status;
    this.field = problem.field ?? null;
  }
}

let askToken = null;
let asking = null;

// `ask(previous)` resolves with a token the user typed; calls refused with 401 wait for it and retry.
export function whenTokenNeeded(ask) {
  askToken = ask;
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export function hasToken() {
  return sessionStorage.getItem(TOKEN_KEY) !== null;
}

// One question at a time, however many calls were refused together.
function newToken(previous) {
  asking ??= askToken(previous).finally(() => (asking = null));
  return asking;
}

// The response to `method path` with `body` as JSON; throws ApiError unless it is a success.
export async function request(method, path, body) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401 && askToken) {
      sessionStorage.setItem(TOKEN_KEY, await newToken(token));
      continue;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new ApiError(response.status, problem);
    }
    return response;
  }
}

// The JSON answer of a call (null for 204 No Content).
export async function call(method, path, body) {
  const response = await request(method, path, body);
  return response.status === 204 ? null : response.json();
}

// Server-sent events read with fetch (EventSource cannot send the token): `onEvent(name, data)` for
// each event, until the server ends the stream.
export async function readEvents(path, onEvent) {
  const response = await request("GET", path);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    // Lines may end in CRLF; a CR at a chunk's end waits for the LF that may follow it.
    buffer = (buffer + value).replace(/\r\n/g, "\n");
    const held = buffer.endsWith("\r") ? "\r" : "";
    buffer = buffer.slice(0, buffer.length - held.length);
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        const colon = line.indexOf(":");
        const [field, text] = colon < 0 ? [line, ""] : [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, "")];
        if (field === "event") name = text;
        else if (field === "data") data.push(text);
      }
      if (data.length) onEvent(name, data.join("\n"));
    }
    buffer += held;
  }
}
