(module (import "env" "g" (global i32)))
