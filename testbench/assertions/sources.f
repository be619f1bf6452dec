# The checkers on their own, for the suite that proves they fire (testbench/assertions/).
rtl/lib/count_step.sv
rtl/lib/sync_fifo.sv
rtl/lib/stream_check.sv
rtl/lib/stream_gapless_check.sv
rtl/top/frame_count_check.sv
rtl/lib/ready_check.sv
