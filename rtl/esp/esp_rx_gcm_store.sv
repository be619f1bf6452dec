// RX: stores what esp_gcm returns. Each decrypted frame's beats are written into the
// frame buffer's decrypted copy, at the place the feed gave the frame (one pointer per
// frame, in order); a beat with no bytes (keep zero) is not written. A frame's verdict is taken from esp_gcm once all its beats are
// written, so a queued verdict means the frame is complete in the buffer.
module esp_rx_gcm_store (
  input  logic                               clk_i,
  input  logic                               rst_ni,

  // Buffer pointers of the frames in esp_gcm, in order (the head is there whenever
  // esp_gcm returns a beat: it was queued with the frame's first beat).
  input  logic [esp_rx_pkg::BufAddrW-1:0]    gbase_i,
  output logic                               gbase_pop_o,

  // esp_gcm output; never stalled (the feed reserved the space).
  input  logic                               gcm_valid_i,
  input  logic [127:0]                       gcm_data_i,
  input  logic [15:0]                        gcm_keep_i,
  input  logic                               gcm_last_i,

  input  logic                               st_valid_i,
  output logic                               st_ready_o,
  input  esp_pkg::gcm_status_t               st_i,

  // The decrypted copy's write port.
  output logic                               buf_we_o,
  output logic [esp_rx_pkg::BufAddrW-1:0]    buf_waddr_o,
  output logic [127:0]                       buf_wdata_o,
  output logic [esp_rx_pkg::BufAddrW-1:0]    buf_beat_o,   // the beat's index in its frame

  // One verdict per frame, once the frame is written.
  output logic                               done_push_o,
  output esp_pkg::gcm_status_t               done_o,
  input  logic                               done_full_i
);

  localparam int AddrW = esp_rx_pkg::BufAddrW;

  logic [AddrW-1:0] off_q;      // beats of the current frame written so far
  logic [5:0]      written_q;   // frames written whose verdict is not yet taken (<= 16)
  logic            frame_end, take;

  assign frame_end   = gcm_valid_i && gcm_last_i;
  assign buf_we_o    = gcm_valid_i && gcm_keep_i != '0;
  assign buf_waddr_o = gbase_i + off_q;
  assign buf_wdata_o = gcm_data_i;
  assign buf_beat_o  = off_q;
  assign gbase_pop_o = frame_end;

  assign st_ready_o  = written_q != '0 && !done_full_i;
  assign take        = st_valid_i && st_ready_o;
  assign done_push_o = take;
  assign done_o      = st_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      off_q     <= '0;
      written_q <= '0;
    end else begin
      if (frame_end)      off_q <= '0;
      else if (buf_we_o)  off_q <= off_q + AddrW'(1);
      written_q <= written_q + 6'(frame_end) - 6'(take);
    end
  end

endmodule
