rtl/lib/ready_check.sv
rtl/top/frame_count_check.sv
rtl/esp/esp_pkt_life_pkg.sv
rtl/esp/esp_pkt_life.sv
rtl/top/ipsec_engine.sv
