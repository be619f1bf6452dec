# The RX anti-replay unit (esp_rx_replay, packet section P4), on its own until the RX
# pipeline instantiates it: scripts/lint, scripts/fpga and testbench/esp_rx_replay read it.
rtl/lib/sdp_ram.sv
rtl/esp/esp_rx_replay_pkg.sv
rtl/esp/esp_rx_replay.sv
