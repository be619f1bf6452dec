rtl/lib/count_step.sv
rtl/lib/sync_fifo.sv
rtl/lib/stream_check.sv
rtl/lib/stream_gapless_check.sv
rtl/esp/esp_pkg.sv
rtl/esp/esp_gcm.sv
