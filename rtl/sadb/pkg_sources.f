rtl/sadb/sadb_pkg.sv
