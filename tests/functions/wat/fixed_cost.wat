;; Deterministic cost: a counted loop of 1000 iterations, then success. Used for the exact fuel budget test.
(module
  (memory (export "memory") 1)
  (func (export "handle_request") (result i32)
    (local $i i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
    (i32.store (i32.const 0) (local.get $acc))
    (i32.const 0)))
