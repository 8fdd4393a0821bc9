;; A mutable global but no __aegis_globals_save/restore: cannot be reset.
(module
  (memory (export "memory") 1 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "bump") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))
)
