rtl/lib/ready_check.sv
rtl/top/frame_count_check.sv
rtl/top/ipsec_engine.sv
