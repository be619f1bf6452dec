// Valid/ready register slice with a skid register: full throughput, and a registered
// `s_ready_o`, so that a long pipeline in front of it can use `s_ready_o` as its clock
// enable without a combinational path from the downstream `m_ready_i`.
module stream_skid #(
  parameter int DataW = 8
) (
  input  logic             clk_i,
  input  logic             rst_ni,

  input  logic             s_valid_i,
  output logic             s_ready_o,
  input  logic [DataW-1:0] s_data_i,

  output logic             m_valid_o,
  input  logic             m_ready_i,
  output logic [DataW-1:0] m_data_o
);

  logic             ready_q;
  logic             out_valid_q, skid_valid_q;
  logic [DataW-1:0] out_data_q, skid_data_q;
  logic             ready_d;

  // Ready next clock if the output drains, or the skid register stays free even if a beat
  // arrives now.
  assign ready_d = m_ready_i || (!skid_valid_q && (!out_valid_q || !s_valid_i));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ready_q      <= 1'b0;
      out_valid_q  <= 1'b0;
      skid_valid_q <= 1'b0;
    end else begin
      ready_q <= ready_d;
      if (ready_q) begin
        if (m_ready_i || !out_valid_q) out_valid_q  <= s_valid_i;
        else                           skid_valid_q <= s_valid_i;
      end else if (m_ready_i) begin
        out_valid_q  <= skid_valid_q;
        skid_valid_q <= 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (ready_q) begin
      if (m_ready_i || !out_valid_q) out_data_q  <= s_data_i;
      else                           skid_data_q <= s_data_i;
    end else if (m_ready_i) begin
      out_data_q <= skid_data_q;
    end
  end

  assign s_ready_o = ready_q;
  assign m_valid_o = out_valid_q;
  assign m_data_o  = out_data_q;

endmodule
