;; State probe: every call bumps a mutable global and a memory cell, then reports both through the response
;; status 200 + 10*global + cell. A fresh (or reset) instance always answers 211; a persistent one 211, 222, ...
(module
  (import "env" "response_set_status" (func $set_status (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "handle_request") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store (i32.const 64) (i32.add (i32.load (i32.const 64)) (i32.const 1)))
    (drop (call $set_status
      (i32.add (i32.const 200)
        (i32.add (i32.mul (global.get $g) (i32.const 10)) (i32.load (i32.const 64))))))
    (i32.const 0)))
