;; Traps, stack overflow, infinite loop, and a bounded busy loop for the deadline tests.
(module
  (memory (export "memory") 1 1)
  (func (export "unreachable") (unreachable))
  (func (export "oob") (result i32) (i32.load (i32.const 0xfffffff0)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "forever") (loop $l (br $l)))
  ;; Spins `n` iterations, returns n.
  (func (export "spin") (param $n i64) (result i64)
    (local $i i64)
    (block $done
      (loop $l
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $l)))
    (local.get $i))
  (func (export "ok") (result i32) (i32.const 42))
)
