;; Reads the agent the host wrote: verdict 1 if it starts with 'G', else 0 (proves the bytes arrive at the pointer).
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 2048))
  (func (export "detect_bot") (param $p i32) (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 2))
      (else (if (result i32) (i32.eq (i32.load8_u (local.get $p)) (i32.const 71)) (then (i32.const 1)) (else (i32.const 0)))))))
