(module (import "env" "table" (table 1 funcref)))
