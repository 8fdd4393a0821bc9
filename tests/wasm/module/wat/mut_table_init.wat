(module (table 2 funcref) (func $f) (elem $e func $f)
  (func (export "run") (table.init $e (i32.const 0) (i32.const 0) (i32.const 1))))
