;; Imports exactly two host ABI functions with their exact signatures.
(module
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "request_get_method" (func $method (result i32)))
  (memory (export "memory") 1 16)
  (data (i32.const 0) "hello")
  (func (export "run") (result i32)
    (call $log (i32.const 0) (i32.const 5))
    (call $method))
  (func (export "mix") (param i64 f32 f64) (result f64) (local.get 2)))
