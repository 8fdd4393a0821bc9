(module (table 2 funcref) (func (export "run") (table.copy (i32.const 0) (i32.const 1) (i32.const 1))))
