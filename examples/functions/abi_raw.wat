;; abi_raw.wat — an edge function written directly against the host ABI, without an SDK (docs/host-abi.md).
;; It shows everything an SDK hides:
;;   * imports come from module "env" with EXACT signatures (anything else: the node refuses to load the module);
;;   * the module exports its linear memory as "memory" and its entry point as a () -> i32 function
;;     (0 = success; anything else is a function error and the route's failure policy applies);
;;   * data flows host → guest through the per-invocation SHARED BUFFER: a getter such as request_get_header puts
;;     the value there and returns its length (-1 = absent / error), then get_shared_buffer(dest, offset, length)
;;     copies it into guest memory;
;;   * guest → host data is passed as (ptr, len) pairs into guest memory.
;;
;; Behaviour (entry handle_request):
;;   request without `x-api-version`   → answered at the edge: 400 "missing x-api-version\n"
;;   request with `x-api-version: V`   → continues to the origin; the client's response gets `x-api-version-seen: V`
;;
;; Build: wat2wasm abi_raw.wat -o abi_raw.wasm    (the build does it: build/wasm/example_abi_raw.wasm)
;; Try:   aegis run abi_raw.wasm -H 'x-api-version: 2'
(module
  ;; (ptr, len) -> i32: value of the first header with that name (case-insensitive) into the shared buffer
  (import "env" "request_get_header" (func $request_get_header (param i32 i32) (result i32)))
  ;; (dest, offset, length) -> i32: copy from the shared buffer into guest memory; returns length or -1
  (import "env" "get_shared_buffer" (func $get_shared_buffer (param i32 i32 i32) (result i32)))
  ;; (name_ptr, name_len, value_ptr, value_len) -> i32: 0 or -1 (invalid name, CR/LF in the value, ...)
  (import "env" "response_set_header" (func $response_set_header (param i32 i32 i32 i32) (result i32)))
  ;; (body_ptr, body_len) -> i32
  (import "env" "response_set_body" (func $response_set_body (param i32 i32) (result i32)))
  ;; (status) -> i32: answer now with the response built so far; WAF, cache and origin are skipped
  (import "env" "request_terminate" (func $request_terminate (param i32) (result i32)))
  ;; (ptr, len): a UTF-8 line for the node's log
  (import "env" "log" (func $log (param i32 i32)))

  ;; One 64 KiB page, at most 2: declaring a maximum keeps the module small and predictable (without one the
  ;; node caps the memory at the function's `memory` limit, 50 MiB by default).
  (memory (export "memory") 1 2)

  (data (i32.const 0) "x-api-version")             ;; 13 bytes
  (data (i32.const 16) "x-api-version-seen")       ;; 18 bytes
  (data (i32.const 48) "missing x-api-version\n")  ;; 22 bytes
  (data (i32.const 80) "content-type")             ;; 12 bytes
  (data (i32.const 96) "text/plain")               ;; 10 bytes
  (data (i32.const 112) "abi_raw: no x-api-version, answered 400")  ;; 39 bytes
  ;; bytes 1024.. receive the header value (at most 256 bytes are accepted)

  (func (export "handle_request") (result i32)
    (local $len i32)
    (local.set $len (call $request_get_header (i32.const 0) (i32.const 13)))
    (if (i32.lt_s (local.get $len) (i32.const 0))
      (then
        ;; absent: build a response and terminate
        (drop (call $response_set_header (i32.const 80) (i32.const 12) (i32.const 96) (i32.const 10)))
        (drop (call $response_set_body (i32.const 48) (i32.const 22)))
        (call $log (i32.const 112) (i32.const 39))
        (return (select (i32.const 0) (i32.const 1) (i32.eqz (call $request_terminate (i32.const 400)))))))
    (if (i32.gt_u (local.get $len) (i32.const 256)) (then (return (i32.const 2))))  ;; too long: function error
    ;; copy the value out of the shared buffer, then echo it in a response header
    (if (i32.ne (call $get_shared_buffer (i32.const 1024) (i32.const 0) (local.get $len)) (local.get $len))
      (then (return (i32.const 3))))
    (if (call $response_set_header (i32.const 16) (i32.const 18) (i32.const 1024) (local.get $len))
      (then (return (i32.const 4))))
    (i32.const 0)))
