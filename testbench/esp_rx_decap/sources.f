# The packet-offload decapsulation stage on its own (testbench/esp_rx_decap/).
rtl/lib/stream_skid.sv
rtl/lib/count_step.sv
rtl/lib/sync_fifo.sv
rtl/lib/head_fifo.sv
rtl/esp/esp_pkg.sv
rtl/esp/esp_rx_pkg.sv
rtl/esp/esp_rx_decap.sv
