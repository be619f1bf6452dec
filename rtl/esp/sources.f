rtl/lib/sync_fifo.sv
rtl/esp/esp_pkg.sv
rtl/esp/esp_gcm.sv
