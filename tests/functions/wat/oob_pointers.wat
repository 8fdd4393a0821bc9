;; Hands the host out-of-bounds pointers and lengths. Every call must come back -1 (never a host crash); the
;; function then decides: it returns 0 when all of them were refused, else the number of the first accepted one.
(module
  (import "env" "request_get_header" (func $get_header (param i32 i32) (result i32)))
  (import "env" "get_shared_buffer" (func $get_buf (param i32 i32 i32) (result i32)))
  (import "env" "response_set_header" (func $set_header (param i32 i32 i32 i32) (result i32)))
  (import "env" "response_set_body" (func $set_body (param i32 i32) (result i32)))
  (import "env" "request_get_uri" (func $get_uri (result i32)))
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "x-in")
  (func (export "handle_request") (result i32)
    (local $n i32)
    ;; name pointer past the end of memory
    (if (i32.ne (call $get_header (i32.const 70000) (i32.const 4)) (i32.const -1)) (then (return (i32.const 1))))
    ;; ptr + len wraps around 2^32
    (if (i32.ne (call $get_header (i32.const 0xfffffff0) (i32.const 0x20)) (i32.const -1)) (then (return (i32.const 2))))
    ;; value straddling the end of memory
    (if (i32.ne (call $set_header (i32.const 0) (i32.const 4) (i32.const 65530) (i32.const 100)) (i32.const -1))
      (then (return (i32.const 3))))
    (if (i32.ne (call $set_body (i32.const -1) (i32.const -1)) (i32.const -1)) (then (return (i32.const 4))))
    ;; shared buffer: valid content, but the destination is out of bounds
    (local.set $n (call $get_uri))
    (if (i32.ne (call $get_buf (i32.const 65536) (i32.const 0) (local.get $n)) (i32.const -1)) (then (return (i32.const 5))))
    ;; shared buffer: offset + length beyond the buffer, and an overflowing offset
    (if (i32.ne (call $get_buf (i32.const 0) (local.get $n) (i32.const 1)) (i32.const -1)) (then (return (i32.const 6))))
    (if (i32.ne (call $get_buf (i32.const 0) (i32.const -1) (i32.const 2)) (i32.const -1)) (then (return (i32.const 7))))
    ;; log with a bad pointer is dropped silently (returns nothing) and must not crash
    (call $log (i32.const 65000) (i32.const 10000))
    (i32.const 0)))
