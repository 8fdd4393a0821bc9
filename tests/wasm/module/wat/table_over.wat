(module (table 20000 funcref))
