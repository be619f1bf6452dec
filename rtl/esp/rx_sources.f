rtl/lib/sdp_ram.sv
rtl/esp/esp_rx_pkg.sv
rtl/esp/esp_rx_parse.sv
rtl/esp/esp_rx_feed.sv
rtl/esp/esp_rx_gcm_store.sv
rtl/esp/esp_rx_read.sv
rtl/esp/esp_rx.sv
rtl/esp/esp_rx_ingress.sv
