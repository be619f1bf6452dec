# The packet SAs' lifetime unit (esp_pkt_life, packet sections P3-P6), on its own until the
# engine instantiates it: scripts/lint, scripts/fpga and testbench/esp_pkt_life read it.
rtl/lib/sdp_ram.sv
rtl/lib/count_step.sv
rtl/lib/sync_fifo.sv
rtl/esp/esp_pkt_life_pkg.sv
rtl/esp/esp_pkt_life.sv
