;; Unbounded recursion: the engine's stack guard traps it.
(module
  (memory (export "memory") 1)
  (func $f (param $n i32) (result i32)
    (i32.add (call $f (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "handle_request") (result i32)
    (drop (call $f (i32.const 0)))
    (i32.const 0)))
