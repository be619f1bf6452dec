rtl/regs/generated/ipsec_regs_pkg.sv
rtl/regs/generated/ipsec_regs.sv
rtl/sadb/sadb_pkg.sv
rtl/lib/sdp_ram.sv
rtl/regs/cmd_mailbox.sv
rtl/sadb/sa_table.sv
rtl/sadb/sa_cmd_exec.sv
rtl/top/ipsec_ctrl.sv
