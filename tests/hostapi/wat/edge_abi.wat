;; Imports every env function of the edge ABI (reference + AEGIS extensions) and re-exports each one as
;; t_<name> so the tests can call any host function with any arguments through the real engine.
;; Also a few entry points (() -> i32) that behave like real edge functions.
(module
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "get_shared_buffer" (func $get_shared_buffer (param i32 i32 i32) (result i32)))
  (import "env" "request_get_method" (func $request_get_method  (result i32)))
  (import "env" "request_get_uri" (func $request_get_uri  (result i32)))
  (import "env" "request_get_header" (func $request_get_header (param i32 i32) (result i32)))
  (import "env" "request_get_header_names" (func $request_get_header_names  (result i32)))
  (import "env" "request_get_body" (func $request_get_body  (result i32)))
  (import "env" "response_set_status" (func $response_set_status (param i32) (result i32)))
  (import "env" "response_set_header" (func $response_set_header (param i32 i32 i32 i32) (result i32)))
  (import "env" "response_add_header" (func $response_add_header (param i32 i32 i32 i32) (result i32)))
  (import "env" "response_remove_header" (func $response_remove_header (param i32 i32) (result i32)))
  (import "env" "response_set_body" (func $response_set_body (param i32 i32) (result i32)))
  (import "env" "request_terminate" (func $request_terminate (param i32) (result i32)))
  (import "env" "cache_get" (func $cache_get (param i32 i32) (result i32)))
  (import "env" "cache_set" (func $cache_set (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "http_get" (func $http_get (param i32 i32) (result i32)))
  (import "env" "http_post" (func $http_post (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "http_put" (func $http_put (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "http_delete" (func $http_delete (param i32 i32) (result i32)))
  (import "env" "request_set_method" (func $request_set_method (param i32 i32) (result i32)))
  (import "env" "request_set_uri" (func $request_set_uri (param i32 i32) (result i32)))
  (import "env" "request_set_header" (func $request_set_header (param i32 i32 i32 i32) (result i32)))
  (import "env" "request_add_header" (func $request_add_header (param i32 i32 i32 i32) (result i32)))
  (import "env" "request_remove_header" (func $request_remove_header (param i32 i32) (result i32)))
  (import "env" "request_set_body" (func $request_set_body (param i32 i32) (result i32)))
  (import "env" "response_get_status" (func $response_get_status  (result i32)))
  (import "env" "response_get_header" (func $response_get_header (param i32 i32) (result i32)))
  (import "env" "response_get_header_names" (func $response_get_header_names  (result i32)))
  (import "env" "response_get_body" (func $response_get_body  (result i32)))
  (import "env" "http_get_status" (func $http_get_status  (result i32)))
  (memory (export "memory") 1 4)
  (data (i32.const 0) "user-agent")        ;; 0..10
  (data (i32.const 16) "x-ua")             ;; 16..20
  (data (i32.const 32) "content-type")     ;; 32..44
  (data (i32.const 48) "text/plain")       ;; 48..58
  (data (i32.const 64) "set-cookie")       ;; 64..74
  (data (i32.const 80) "a=1; Path=/")      ;; 80..91
  (data (i32.const 96) "b=2; Secure")      ;; 96..107
  (data (i32.const 112) "blocked by edge")  ;; 112..127
  (func (export "t_log") (param i32 i32)  (call $log (local.get 0) (local.get 1)))
  (func (export "t_get_shared_buffer") (param i32 i32 i32) (result i32) (call $get_shared_buffer (local.get 0) (local.get 1) (local.get 2)))
  (func (export "t_request_get_method")  (result i32) (call $request_get_method ))
  (func (export "t_request_get_uri")  (result i32) (call $request_get_uri ))
  (func (export "t_request_get_header") (param i32 i32) (result i32) (call $request_get_header (local.get 0) (local.get 1)))
  (func (export "t_request_get_header_names")  (result i32) (call $request_get_header_names ))
  (func (export "t_request_get_body")  (result i32) (call $request_get_body ))
  (func (export "t_response_set_status") (param i32) (result i32) (call $response_set_status (local.get 0)))
  (func (export "t_response_set_header") (param i32 i32 i32 i32) (result i32) (call $response_set_header (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "t_response_add_header") (param i32 i32 i32 i32) (result i32) (call $response_add_header (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "t_response_remove_header") (param i32 i32) (result i32) (call $response_remove_header (local.get 0) (local.get 1)))
  (func (export "t_response_set_body") (param i32 i32) (result i32) (call $response_set_body (local.get 0) (local.get 1)))
  (func (export "t_request_terminate") (param i32) (result i32) (call $request_terminate (local.get 0)))
  (func (export "t_cache_get") (param i32 i32) (result i32) (call $cache_get (local.get 0) (local.get 1)))
  (func (export "t_cache_set") (param i32 i32 i32 i32 i32) (result i32) (call $cache_set (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
  (func (export "t_http_get") (param i32 i32) (result i32) (call $http_get (local.get 0) (local.get 1)))
  (func (export "t_http_post") (param i32 i32 i32 i32 i32 i32) (result i32) (call $http_post (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)))
  (func (export "t_http_put") (param i32 i32 i32 i32 i32 i32) (result i32) (call $http_put (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)))
  (func (export "t_http_delete") (param i32 i32) (result i32) (call $http_delete (local.get 0) (local.get 1)))
  (func (export "t_request_set_method") (param i32 i32) (result i32) (call $request_set_method (local.get 0) (local.get 1)))
  (func (export "t_request_set_uri") (param i32 i32) (result i32) (call $request_set_uri (local.get 0) (local.get 1)))
  (func (export "t_request_set_header") (param i32 i32 i32 i32) (result i32) (call $request_set_header (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "t_request_add_header") (param i32 i32 i32 i32) (result i32) (call $request_add_header (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "t_request_remove_header") (param i32 i32) (result i32) (call $request_remove_header (local.get 0) (local.get 1)))
  (func (export "t_request_set_body") (param i32 i32) (result i32) (call $request_set_body (local.get 0) (local.get 1)))
  (func (export "t_response_get_status")  (result i32) (call $response_get_status ))
  (func (export "t_response_get_header") (param i32 i32) (result i32) (call $response_get_header (local.get 0) (local.get 1)))
  (func (export "t_response_get_header_names")  (result i32) (call $response_get_header_names ))
  (func (export "t_response_get_body")  (result i32) (call $response_get_body ))
  (func (export "t_http_get_status")  (result i32) (call $http_get_status ))
  (func (export "t_grow") (param i32) (result i32) (memory.grow (local.get 0)))

  ;; echo: response body = request URI; response header x-ua = the request's User-Agent; status 200.
  (func (export "echo") (result i32) (local $n i32)
    (local.set $n (call $request_get_uri))
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 1))))
    (if (i32.ne (call $get_shared_buffer (i32.const 4096) (i32.const 0) (local.get $n)) (local.get $n))
      (then (return (i32.const 2))))
    (if (call $response_set_body (i32.const 4096) (local.get $n)) (then (return (i32.const 3))))
    (local.set $n (call $request_get_header (i32.const 0) (i32.const 10)))
    (if (i32.ge_s (local.get $n) (i32.const 0)) (then
      (drop (call $get_shared_buffer (i32.const 8192) (i32.const 0) (local.get $n)))
      (drop (call $response_set_header (i32.const 16) (i32.const 4) (i32.const 8192) (local.get $n)))))
    (drop (call $response_set_status (i32.const 200)))
    (i32.const 0))

  ;; block: 403 text/plain "blocked by edge" with two Set-Cookie headers, terminate early.
  (func (export "block") (result i32)
    (drop (call $response_set_status (i32.const 403)))
    (drop (call $response_set_header (i32.const 32) (i32.const 12) (i32.const 48) (i32.const 10)))
    (drop (call $response_add_header (i32.const 64) (i32.const 10) (i32.const 80) (i32.const 11)))
    (drop (call $response_add_header (i32.const 64) (i32.const 10) (i32.const 96) (i32.const 11)))
    (drop (call $response_set_body (i32.const 112) (i32.const 15)))
    (call $request_terminate (i32.const 403)))

  ;; overflow: returns get_shared_buffer(dest, 1, len) after request_get_method (must be -1: one byte too far).
  (func (export "overflow") (result i32) (local $n i32)
    (local.set $n (call $request_get_method))
    (call $get_shared_buffer (i32.const 4096) (i32.const 1) (local.get $n)))

  ;; counter: cache-backed hit counter; returns the number of previous hits (as stored by this module).
  (func (export "counter") (result i32) (local $n i32) (local $v i32)
    (local.set $n (call $cache_get (i32.const 16) (i32.const 4)))
    (if (i32.eq (local.get $n) (i32.const 4)) (then
      (drop (call $get_shared_buffer (i32.const 200) (i32.const 0) (i32.const 4)))
      (local.set $v (i32.load (i32.const 200)))))
    (i32.store (i32.const 200) (i32.add (local.get $v) (i32.const 1)))
    (drop (call $cache_set (i32.const 16) (i32.const 4) (i32.const 200) (i32.const 4) (i32.const 60)))
    (local.get $v))
)
