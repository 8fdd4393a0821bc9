;; Two tables, neither within the cap as declared: no maximum, and a huge maximum.
(module
  (table $a 10 funcref)
  (table $b 1 100000 externref)
  (func (export "grow_b") (param i32) (result i32) (table.grow $b (ref.null extern) (local.get 0))))
