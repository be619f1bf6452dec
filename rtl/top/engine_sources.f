rtl/lib/stream_check.sv
rtl/top/ipsec_engine.sv
