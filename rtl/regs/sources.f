rtl/regs/generated/ipsec_regs_pkg.sv
rtl/regs/generated/ipsec_regs.sv
