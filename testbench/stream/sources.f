# The store-and-forward frame FIFO on its own (testbench/stream/).
rtl/lib/sdp_ram.sv
rtl/lib/count_step.sv
rtl/lib/sync_fifo.sv
rtl/lib/stream_frame_fifo.sv
