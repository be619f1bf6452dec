rtl/lib/sdp_ram.sv
rtl/lib/stream_frame_fifo.sv
rtl/esp/esp_pkt_life_pkg.sv
rtl/esp/esp_tx_parse.sv
rtl/esp/esp_tx_strip.sv
rtl/esp/esp_tx_edit.sv
rtl/esp/esp_tx.sv
rtl/esp/esp_tx_pkt_encap.sv
