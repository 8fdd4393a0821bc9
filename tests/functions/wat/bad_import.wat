;; Imports a function that is not part of the host ABI: a load error naming it.
(module
  (import "env" "launch_missiles" (func $m (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "handle_request") (result i32) (call $m (i32.const 1))))
