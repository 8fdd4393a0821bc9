;; Compute kernels with known static costs (see module_test.cpp).
(module
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 5))
  (global $wide (mut i64) (i64.const -7))
  (global $real (mut f64) (f64.const 1.5))
  (global $const i32 (i32.const 42))
  ;; entry region: loop, local.get, end = 3; loop region: 9 instructions incl. its end
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  ;; entry region: loop, end = 2; loop region: br, end = 2
  (func (export "spin") (loop $l (br $l)))
  ;; nested loops: outer region excludes the inner loop's body
  (func (export "nested") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $acc i32)
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $j) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $acc))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "get_counter") (result i32) (global.get $counter))
  (func (export "set_counter") (param i32) (global.set $counter (local.get 0)))
  (func (export "get_wide") (result i64) (global.get $wide))
  (func (export "set_wide") (param i64) (global.set $wide (local.get 0)))
  (func (export "get_real") (result f64) (global.get $real))
  (func (export "set_real") (param f64) (global.set $real (local.get 0)))
  (func (export "get_const") (result i32) (global.get $const)))
