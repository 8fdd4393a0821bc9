;; A table exactly at the engine's ceiling.
(module
  (table 10000 funcref)
  (func (export "f") (result i32) (i32.const 1))
)
