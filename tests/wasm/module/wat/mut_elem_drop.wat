(module (func $f) (elem $e func $f) (func (export "run") (elem.drop $e)))
