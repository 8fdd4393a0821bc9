;; Host-call cost: `calls` makes 10,000 calls of response_set_status in a loop; `baseline` runs the same loop with
;; a local computation instead. (calls - baseline) / 10,000 = one wasm → host → wasm round trip.
(module
  (import "env" "response_set_status" (func $set_status (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $sink (mut i32) (i32.const 0))
  (func (export "calls") (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $set_status (i32.const 200))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10000))))
    (global.set $sink (local.get $acc))
    (i32.const 0))
  (func (export "baseline") (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.xor (local.get $i) (i32.const 200))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10000))))
    (global.set $sink (local.get $acc))
    (i32.const 0)))
