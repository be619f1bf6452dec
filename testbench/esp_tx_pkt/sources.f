# The test top of the TX datapath with packet offload (esp_tx with PktOffload = 1 and the
# lifetime unit it asks); read after rtl/esp/tx_sources.f and rtl/esp/life_sources.f.
testbench/esp_tx_pkt/esp_tx_pkt_top.sv
