(module (func (export "__aegis_fuel_get") (result i64) (i64.const 1)))
