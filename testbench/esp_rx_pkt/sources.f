# The test top of packet offload's RX datapath (testbench/esp_rx_pkt/), with esp_pkt_life.
rtl/lib/count_step.sv
rtl/esp/esp_pkt_life.sv
testbench/esp_rx_pkt/esp_rx_pkt_top.sv
