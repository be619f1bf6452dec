// AES-128/256 forward cipher, fully unrolled: one block in and one block out per clock,
// 14 stages, latency 14 clocks whatever the key size (AES-128 blocks pass the last four
// stages unchanged). The key schedule is computed stage by stage alongside its block, so
// every block may use a different key with no stall (the SA changes from frame to frame).
//
// `side_i` travels with the block unchanged (the caller's per-block context). The whole
// pipe advances only while `en_i` is high. Data and key registers have no reset; only the
// valid bits do.
module aes_cipher_pipe #(
  parameter int SideW = 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             en_i,

  input  logic             valid_i,
  input  logic [255:0]     key_i,      // AES-128 uses key_i[255:128]
  input  logic             key256_i,
  input  logic [127:0]     block_i,    // FIPS byte order: byte 0 in [127:120]
  input  logic [SideW-1:0] side_i,

  output logic             valid_o,
  output logic [127:0]     block_o,
  output logic [SideW-1:0] side_o
);

  localparam int Rounds = 14;

  // Register stage r (1..Rounds) holds the state after round r and, but for the last, rk[r-1]
  // and rk[r]; stage r
  // reads stage r - 1's registers by name. Registers of their own rather than elements of
  // arrays: the Verilated model assigns them in place, without shadow copies, and Icarus
  // Verilog simulates them correctly.
  for (genvar r = 1; r <= Rounds; r++) begin : gen_stage
    logic [127:0]     state_q;
    logic             valid_q;
    logic [SideW-1:0] side_q;

    logic [127:0]     state_in, rk_a_in, rk_b_in;
    logic             key256_in, valid_in;
    logic [SideW-1:0] side_in;

    if (r == 1) begin : gen_first
      // AddRoundKey with rk[0] is folded into round 1.
      assign state_in  = block_i ^ key_i[255:128];
      assign rk_a_in   = key_i[255:128];
      assign rk_b_in   = key256_i ? key_i[127:0] : key_i[255:128];
      assign key256_in = key256_i;
      assign side_in   = side_i;
      assign valid_in  = valid_i;
    end else begin : gen_next
      assign state_in  = gen_stage[r-1].state_q;
      assign rk_a_in   = gen_stage[r-1].gen_key.rk_a_q;
      assign rk_b_in   = gen_stage[r-1].gen_key.rk_b_q;
      assign key256_in = gen_stage[r-1].gen_key.key256_q;
      assign side_in   = gen_stage[r-1].side_q;
      assign valid_in  = gen_stage[r-1].valid_q;
    end

    logic [127:0] round_key;
    logic [127:0] round_out;
    logic         last_round;
    logic         passthru;

    aes_key_step #(.Round(r)) u_key_step (
      .key256_i   (key256_in),
      .rk_prev2_i (rk_a_in),
      .rk_prev_i  (rk_b_in),
      .rk_o       (round_key)
    );

    assign last_round = (r == Rounds) || (r == 10 && !key256_in);
    assign passthru   = (r > 10) && !key256_in;

    aes_round u_round (
      .state_i     (state_in),
      .round_key_i (round_key),
      .final_i     (last_round),
      .state_o     (round_out)
    );

    always_ff @(posedge clk_i) begin
      if (en_i) begin
        state_q <= passthru ? state_in : round_out;
        side_q  <= side_in;
      end
    end

    // The key schedule travels on with the block, up to the last round.
    if (r < Rounds) begin : gen_key
      logic [127:0] rk_a_q, rk_b_q;
      logic         key256_q;
      always_ff @(posedge clk_i) begin
        if (en_i) begin
          // rk[r-1]: for round 1 that is rk[0], the first half of the key.
          rk_a_q   <= (r == 1) ? rk_a_in : rk_b_in;
          rk_b_q   <= round_key;
          key256_q <= key256_in;
        end
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni)   valid_q <= 1'b0;
      else if (en_i) valid_q <= valid_in;
    end
  end

  assign valid_o = gen_stage[Rounds].valid_q;
  assign block_o = gen_stage[Rounds].state_q;
  assign side_o  = gen_stage[Rounds].side_q;

endmodule
