// @aegis-edge/sdk — AssemblyScript SDK for AEGIS Edge edge functions.
//
// Wraps every host function of the AEGIS host ABI (module "env": the reference functions and the AEGIS
// extensions, see docs/host-abi.md) and hides the shared-buffer protocol. An edge function is an exported
// `(): i32` function (0 = success):
//
//   import { Request, Response, terminate } from "@aegis-edge/sdk";
//   export function handle_request(): i32 {
//     if (Request.header("x-api-key") == null) { Response.setBodyText("missing api key"); terminate(401); }
//     return 0;
//   }
//
// Compile with the options of asconfig.base.json (they route `abort`, `trace` and `seed` to this SDK, so the
// module imports nothing but host functions; an `env.abort` import would be a load error).
//
// Errors: setters return true when the host accepted the call; the host refuses invalid header names, CR/LF/NUL in
// values, oversize values and mutations in the wrong phase (the reason is recorded by the node and shown by
// `aegis run`). Getters return null for absent headers, KV misses and failed outbound calls.

// ---- raw host imports ----------------------------------------------------------------------------------------------
@external("env", "log") declare function host_log(ptr: usize, len: u32): void;
@external("env", "get_shared_buffer") declare function host_get_shared_buffer(dest: usize, offset: u32, length: u32): i32;
@external("env", "request_get_method") declare function host_request_get_method(): i32;
@external("env", "request_get_uri") declare function host_request_get_uri(): i32;
@external("env", "request_get_header") declare function host_request_get_header(name: usize, nameLen: u32): i32;
@external("env", "request_get_header_names") declare function host_request_get_header_names(): i32;
@external("env", "request_get_body") declare function host_request_get_body(): i32;
@external("env", "response_set_status") declare function host_response_set_status(status: i32): i32;
@external("env", "response_set_header")
declare function host_response_set_header(name: usize, nameLen: u32, value: usize, valueLen: u32): i32;
@external("env", "response_add_header")
declare function host_response_add_header(name: usize, nameLen: u32, value: usize, valueLen: u32): i32;
@external("env", "response_remove_header") declare function host_response_remove_header(name: usize, nameLen: u32): i32;
@external("env", "response_set_body") declare function host_response_set_body(body: usize, bodyLen: u32): i32;
@external("env", "request_terminate") declare function host_request_terminate(status: i32): i32;
@external("env", "cache_get") declare function host_cache_get(key: usize, keyLen: u32): i32;
@external("env", "cache_set")
declare function host_cache_set(key: usize, keyLen: u32, value: usize, valueLen: u32, ttlSeconds: u32): i32;
@external("env", "http_get") declare function host_http_get(url: usize, urlLen: u32): i32;
@external("env", "http_post")
declare function host_http_post(url: usize, urlLen: u32, body: usize, bodyLen: u32, ctype: usize, ctypeLen: u32): i32;
@external("env", "http_put")
declare function host_http_put(url: usize, urlLen: u32, body: usize, bodyLen: u32, ctype: usize, ctypeLen: u32): i32;
@external("env", "http_delete") declare function host_http_delete(url: usize, urlLen: u32): i32;
// AEGIS extensions
@external("env", "request_set_method") declare function host_request_set_method(ptr: usize, len: u32): i32;
@external("env", "request_set_uri") declare function host_request_set_uri(ptr: usize, len: u32): i32;
@external("env", "request_set_header")
declare function host_request_set_header(name: usize, nameLen: u32, value: usize, valueLen: u32): i32;
@external("env", "request_add_header")
declare function host_request_add_header(name: usize, nameLen: u32, value: usize, valueLen: u32): i32;
@external("env", "request_remove_header") declare function host_request_remove_header(name: usize, nameLen: u32): i32;
@external("env", "request_set_body") declare function host_request_set_body(ptr: usize, len: u32): i32;
@external("env", "response_get_status") declare function host_response_get_status(): i32;
@external("env", "response_get_header") declare function host_response_get_header(name: usize, nameLen: u32): i32;
@external("env", "response_get_header_names") declare function host_response_get_header_names(): i32;
@external("env", "response_get_body") declare function host_response_get_body(): i32;
@external("env", "http_get_status") declare function host_http_get_status(): i32;
// WASI (part of the edge-function ABI): randomness for Math.random's seed.
@external("wasi_snapshot_preview1", "random_get") declare function wasi_random_get(buf: usize, len: u32): i32;

// ---- helpers ---------------------------------------------------------------------------------------------------------
function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s, false);
}

function ptrOf(b: ArrayBuffer): usize {
  return changetype<usize>(b);
}

function lenOf(b: ArrayBuffer): u32 {
  return <u32>b.byteLength;
}

function takeBytes(len: i32): Uint8Array | null {
  if (len < 0) return null;
  const out = new Uint8Array(len);
  if (len > 0 && host_get_shared_buffer(out.dataStart, 0, <u32>len) != len) return null;
  return out;
}

function takeString(len: i32): string | null {
  if (len < 0) return null;
  if (len == 0) return "";
  const buf = new ArrayBuffer(len);
  if (host_get_shared_buffer(changetype<usize>(buf), 0, <u32>len) != len) return null;
  return String.UTF8.decode(buf, false);
}

function takeStringOr(len: i32, fallback: string): string {
  const s = takeString(len);
  return s == null ? fallback : s;
}

function bytesToString(b: Uint8Array): string {
  return String.UTF8.decodeUnsafe(b.dataStart, <usize>b.length, false);
}

// Parses the host's JSON array of header names (names are HTTP tokens: no quotes or escapes inside).
function parseNames(json: string): string[] {
  const out = new Array<string>();
  let i = 0;
  while (true) {
    const start = json.indexOf('"', i);
    if (start < 0) break;
    const end = json.indexOf('"', start + 1);
    if (end < 0) break;
    out.push(json.substring(start + 1, end));
    i = end + 1;
  }
  return out;
}

function setPair(
  fn: (name: usize, nameLen: u32, value: usize, valueLen: u32) => i32,
  name: string,
  value: string,
): bool {
  const n = utf8(name);
  const v = utf8(value);
  return fn(ptrOf(n), lenOf(n), ptrOf(v), lenOf(v)) == 0;
}

function withName(fn: (name: usize, nameLen: u32) => i32, name: string): i32 {
  const n = utf8(name);
  return fn(ptrOf(n), lenOf(n));
}

// ---- logging ---------------------------------------------------------------------------------------------------------
/** One UTF-8 message to the node's log (info level). Longer than 64 KiB: dropped by the host. */
export function log(message: string): void {
  const m = utf8(message);
  host_log(ptrOf(m), lenOf(m));
}

// ---- request ---------------------------------------------------------------------------------------------------------
/** The incoming request. Mutations are AEGIS extensions, allowed in the request phase only. */
export class Request {
  static get method(): string {
    return takeStringOr(host_request_get_method(), "");
  }
  /** Path and query, e.g. "/a/b?c=d". */
  static get uri(): string {
    return takeStringOr(host_request_get_uri(), "");
  }
  /** First value of the header (case-insensitive name), or null if absent. */
  static header(name: string): string | null {
    return takeString(withName(host_request_get_header, name));
  }
  /** Distinct header names in order of first appearance. */
  static get headerNames(): string[] {
    return parseNames(takeStringOr(host_request_get_header_names(), "[]"));
  }
  static get body(): Uint8Array {
    const b = takeBytes(host_request_get_body());
    return b == null ? new Uint8Array(0) : b;
  }
  static get bodyText(): string {
    return takeStringOr(host_request_get_body(), "");
  }
  static setMethod(method: string): bool {
    const m = utf8(method);
    return host_request_set_method(ptrOf(m), lenOf(m)) == 0;
  }
  /** Origin-form ("/path?query") or "*", visible ASCII only. */
  static setUri(uri: string): bool {
    const u = utf8(uri);
    return host_request_set_uri(ptrOf(u), lenOf(u)) == 0;
  }
  static setHeader(name: string, value: string): bool {
    return setPair(host_request_set_header, name, value);
  }
  static addHeader(name: string, value: string): bool {
    return setPair(host_request_add_header, name, value);
  }
  static removeHeader(name: string): bool {
    return withName(host_request_remove_header, name) == 0;
  }
  static setBody(body: Uint8Array): bool {
    return host_request_set_body(body.dataStart, <u32>body.length) == 0;
  }
  static setBodyText(body: string): bool {
    const b = utf8(body);
    return host_request_set_body(ptrOf(b), lenOf(b)) == 0;
  }
}

// ---- response --------------------------------------------------------------------------------------------------------
/** The response: built by the function in the request phase, the origin's answer in the response phase. */
export class Response {
  /** 100..599 */
  static setStatus(status: i32): bool {
    return host_response_set_status(status) == 0;
  }
  /** Replaces every header of that name with one. */
  static setHeader(name: string, value: string): bool {
    return setPair(host_response_set_header, name, value);
  }
  /** Appends a header; duplicates are kept (several Set-Cookie). */
  static addHeader(name: string, value: string): bool {
    return setPair(host_response_add_header, name, value);
  }
  static removeHeader(name: string): bool {
    return withName(host_response_remove_header, name) == 0;
  }
  static setBody(body: Uint8Array): bool {
    return host_response_set_body(body.dataStart, <u32>body.length) == 0;
  }
  static setBodyText(body: string): bool {
    const b = utf8(body);
    return host_response_set_body(ptrOf(b), lenOf(b)) == 0;
  }
  /** The status set so far (or the origin's in the response phase); -1 if none. */
  static get status(): i32 {
    return host_response_get_status();
  }
  static header(name: string): string | null {
    return takeString(withName(host_response_get_header, name));
  }
  static get headerNames(): string[] {
    return parseNames(takeStringOr(host_response_get_header_names(), "[]"));
  }
  static get body(): Uint8Array {
    const b = takeBytes(host_response_get_body());
    return b == null ? new Uint8Array(0) : b;
  }
  static get bodyText(): string {
    return takeStringOr(host_response_get_body(), "");
  }
}

/**
 * Ends the request early: the node answers with the response built so far and this status (100..599), skipping
 * WAF, cache and origin. Refused in the response phase. The function should still return 0.
 */
export function terminate(status: i32): bool {
  return host_request_terminate(status) == 0;
}

// ---- key-value store -------------------------------------------------------------------------------------------------
/** The node's key-value store, namespaced per module. Keys ≤ 256 bytes (UTF-8), values ≤ 1 MiB. */
export namespace kv {
  /** The value, or null on a miss. */
  export function get(key: string): string | null {
    return takeString(withName(host_cache_get, key));
  }
  export function getBytes(key: string): Uint8Array | null {
    return takeBytes(withName(host_cache_get, key));
  }
  /** ttlSeconds 0 = no expiry (the entry may still be evicted). */
  export function set(key: string, value: string, ttlSeconds: u32 = 0): bool {
    const k = utf8(key);
    const v = utf8(value);
    return host_cache_set(ptrOf(k), lenOf(k), ptrOf(v), lenOf(v), ttlSeconds) == 0;
  }
  export function setBytes(key: string, value: Uint8Array, ttlSeconds: u32 = 0): bool {
    const k = utf8(key);
    return host_cache_set(ptrOf(k), lenOf(k), value.dataStart, <u32>value.length, ttlSeconds) == 0;
  }
}

// ---- outbound HTTP ---------------------------------------------------------------------------------------------------
/** An outbound answer (any HTTP status counts as an answer). */
export class HttpResponse {
  constructor(public status: i32, public body: Uint8Array) {}
  text(): string {
    return bytesToString(this.body);
  }
}

function finish(rc: i32): HttpResponse | null {
  if (rc < 0) return null;
  const status = host_http_get_status();
  const body = takeBytes(rc);
  if (body == null) return null;
  return new HttpResponse(status, body);
}

function withBody(
  fn: (url: usize, urlLen: u32, body: usize, bodyLen: u32, ctype: usize, ctypeLen: u32) => i32,
  url: string,
  body: string,
  contentType: string,
): HttpResponse | null {
  const u = utf8(url);
  const b = utf8(body);
  const c = utf8(contentType);
  return finish(fn(ptrOf(u), lenOf(u), ptrOf(b), lenOf(b), ptrOf(c), lenOf(c)));
}

/**
 * Blocking outbound calls (5 s timeout, 1 MiB response and request body, redirects not followed). null on transport
 * error, timeout, oversize body or a non-http(s) URL.
 */
export namespace http {
  export function get(url: string): HttpResponse | null {
    return finish(withName(host_http_get, url));
  }
  export function post(url: string, body: string, contentType: string = ""): HttpResponse | null {
    return withBody(host_http_post, url, body, contentType);
  }
  export function put(url: string, body: string, contentType: string = ""): HttpResponse | null {
    return withBody(host_http_put, url, body, contentType);
  }
  export function del(url: string): HttpResponse | null {
    return finish(withName(host_http_delete, url));
  }
  /** Status of the last outbound call of this invocation; -1 if none or it failed. */
  export function lastStatus(): i32 {
    return host_http_get_status();
  }
}

/** GET `url` (same as http.get). */
export function fetch(url: string): HttpResponse | null {
  return http.get(url);
}

// ---- runtime hooks (wired by asconfig.base.json's "use") -------------------------------------------------------------
/** Replaces AssemblyScript's env.abort: logs the message and location, then traps (the invocation fails). */
export function aegisAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let m = "abort: " + (message != null ? message : "(no message)");
  if (fileName != null) m += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  log(m);
  unreachable();
}

/** Replaces AssemblyScript's env.trace: logs the message and the given values. */
export function aegisTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let m = "trace: " + message;
  if (n > 0) m += " " + a0.toString();
  if (n > 1) m += " " + a1.toString();
  if (n > 2) m += " " + a2.toString();
  if (n > 3) m += " " + a3.toString();
  if (n > 4) m += " " + a4.toString();
  log(m);
}

/** Replaces AssemblyScript's env.seed (Math.random): 8 random bytes from WASI random_get. */
export function aegisSeed(): f64 {
  const buf = new ArrayBuffer(8);
  wasi_random_get(changetype<usize>(buf), 8);
  return reinterpret<f64>(load<u64>(changetype<usize>(buf)));
}
