rtl/regs/generated/ipsec_regs_pkg.sv
rtl/regs/generated/ipsec_regs_map_pkg.sv
rtl/regs/generated/ipsec_regs.sv
rtl/regs/axil_regs_if.sv
