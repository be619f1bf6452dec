rtl/sadb/sadb_pkg.sv
rtl/sadb/sa_table.sv
rtl/sadb/sa_cmd_exec.sv
