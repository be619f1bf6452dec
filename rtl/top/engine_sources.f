rtl/top/ipsec_engine.sv
