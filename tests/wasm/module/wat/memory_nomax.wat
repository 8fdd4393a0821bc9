;; Memory without a maximum; grow() is the guest's own memory.grow.
(module
  (memory (export "memory") 2)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
