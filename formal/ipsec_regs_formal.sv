// Formal top for the register block as an AXI4-Lite slave: the front end
// (rtl/regs/axil_regs_if.sv) and the generated block behind it
// (rtl/regs/generated/ipsec_regs.sv): the protocol (axil_slave_props.sv) and the response of every access as the
// register map (docs/registers.md) says: OKAY for a read of a readable register and a write
// of a writable one, SLVERR for everything else (unmapped addresses, writes to read-only and
// reads of write-only registers). The address's low two bits are ignored, as the block does.
// At most three requests of a kind are open: two in flight (the front end's request register,
// the block's read stage and its response queue; Depth 2 here) and one in its holding
// register. The hardware side (counters, status) is left free; the command window's external block is
// acknowledged in the clock of its request, as cmd_mailbox does.
module ipsec_regs_formal (
  input logic        clk_i,
  input logic        rst_ni,
  input logic        awvalid,
  input logic [11:0] awaddr,
  input logic        wvalid,
  input logic [31:0] wdata,
  input logic [3:0]  wstrb,
  input logic        bready,
  input logic        arvalid,
  input logic [11:0] araddr,
  input logic        rready,
  input ipsec_regs_pkg::ipsec_regs__in_t hwif_free_i
);

  logic        awready, wready, bvalid, arready, rvalid;
  logic [1:0]  bresp, rresp;
  logic [31:0] rdata;
  ipsec_regs_pkg::ipsec_regs__in_t  hwif_in;
  ipsec_regs_pkg::ipsec_regs__out_t hwif_out;

  always_comb begin
    hwif_in = hwif_free_i;
    hwif_in.CMD_WINDOW.wr_ack  = hwif_out.CMD_WINDOW.req && hwif_out.CMD_WINDOW.req_is_wr;
    hwif_in.CMD_WINDOW.rd_ack  = hwif_out.CMD_WINDOW.req && !hwif_out.CMD_WINDOW.req_is_wr;
    hwif_in.CMD_WINDOW.rd_data = '0;
  end

  logic        req, req_is_wr, stall_wr, stall_rd, rd_ack, rd_err, wr_ack, wr_err;
  logic [11:0] addr;
  logic [31:0] wr_data, wr_biten, rd_data;

  // Depth 2 rather than the engine's 4: the front end's logic does not depend on it (a
  // power of two), and the proof's state grows with it.
  axil_regs_if #(
    .AddrW(12),
    .Depth(2),
    .ReadableWords(ipsec_regs_map_pkg::ReadableWords),
    .WritableWords(ipsec_regs_map_pkg::WritableWords)
  ) u_axil (
    .clk_i, .rst_ni,
    .s_axil_awready_o(awready), .s_axil_awvalid_i(awvalid), .s_axil_awaddr_i(awaddr),
    .s_axil_wready_o(wready), .s_axil_wvalid_i(wvalid), .s_axil_wdata_i(wdata),
    .s_axil_wstrb_i(wstrb), .s_axil_bready_i(bready), .s_axil_bvalid_o(bvalid),
    .s_axil_bresp_o(bresp), .s_axil_arready_o(arready), .s_axil_arvalid_i(arvalid),
    .s_axil_araddr_i(araddr), .s_axil_rready_i(rready), .s_axil_rvalid_o(rvalid),
    .s_axil_rdata_o(rdata), .s_axil_rresp_o(rresp),
    .cpuif_req_o(req), .cpuif_req_is_wr_o(req_is_wr), .cpuif_addr_o(addr),
    .cpuif_wr_data_o(wr_data), .cpuif_wr_biten_o(wr_biten),
    .cpuif_req_stall_wr_i(stall_wr), .cpuif_req_stall_rd_i(stall_rd),
    .cpuif_rd_ack_i(rd_ack), .cpuif_rd_err_i(rd_err), .cpuif_rd_data_i(rd_data),
    .cpuif_wr_ack_i(wr_ack), .cpuif_wr_err_i(wr_err)
  );

  ipsec_regs u_regs (
    .clk(clk_i), .arst_n(rst_ni),
    .s_cpuif_req(req), .s_cpuif_req_is_wr(req_is_wr), .s_cpuif_addr(addr),
    .s_cpuif_wr_data(wr_data), .s_cpuif_wr_biten(wr_biten),
    .s_cpuif_req_stall_wr(stall_wr), .s_cpuif_req_stall_rd(stall_rd),
    .s_cpuif_rd_ack(rd_ack), .s_cpuif_rd_err(rd_err), .s_cpuif_rd_data(rd_data),
    .s_cpuif_wr_ack(wr_ack), .s_cpuif_wr_err(wr_err),
    .hwif_in(hwif_in), .hwif_out(hwif_out)
  );

  // The front end answers from the access map and from when it issued each request; the
  // block's own acknowledgements and error decode must say the same.
  logic taken, rd_taken_q, rd_err_q;
  assign taken = req && !(req_is_wr ? stall_wr : stall_rd);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_taken_q <= 1'b0;
      rd_err_q   <= 1'b0;
    end else begin
      rd_taken_q <= taken && !req_is_wr;
      rd_err_q   <= !readable(addr);
    end
  end

  logic [11:0] b_addr, r_addr;

  axil_slave_props #(.AddrW(12), .MaxWait(6), .MaxOutstanding(3)) u_props (
    .clk_i, .rst_ni,
    .awvalid, .awready, .awaddr, .wvalid, .wready, .wdata, .wstrb, .bvalid, .bready, .bresp,
    .arvalid, .arready, .araddr, .rvalid, .rready, .rdata, .rresp,
    .b_addr_o(b_addr), .r_addr_o(r_addr)
  );

  // The register map of docs/registers.md, word addresses.
  function automatic logic readable(input logic [11:0] a);
    logic [9:0] w;
    w = a[11:2];
    // The block holds packet offload's registers in every build (the front end's maps
    // leave them out when the engine has no packet offload: rtl/top/ipsec_ctrl.sv).
    readable = (w <= 10'h006)                    // VENDOR_ID .. ENGINE_PARAMS, CAP_PKT
            || (w >= 10'h008 && w <= 10'h012)    // CAP_* (0x020..0x03C), CONTROL, INTR_ENABLE, INTR_STATUS
            || (w == 10'h015)                    // CMD_STATUS
            || (w >= 10'h018 && w <= 10'h01F)    // RSP_WORD0..7
            || (w == 10'h021) || (w == 10'h022)  // EVT_WORD0, EVT_WORD1
            || (w >= 10'h028 && w <= 10'h031)    // PKT_STATS_WORD0..9 (0x0A0..0x0C4)
            || (w >= 10'h080 && w <= 10'h09F);   // the 14 counters, DEC_OVERFLOW_DROP_PACKETS and
                                                 // EVT_DROP, two words each (0x200..0x27C)
  endfunction

  function automatic logic writable(input logic [11:0] a);
    logic [9:0] w;
    w = a[11:2];
    writable = (w == 10'h010) || (w == 10'h011)  // CONTROL, INTR_ENABLE
            || (w == 10'h014) || (w == 10'h016)  // CMD_DOORBELL, RSP_POP
            || (w == 10'h020) || (w == 10'h023)  // PKT_STATS_INDEX, EVT_POP
            || (w >= 10'h040 && w <= 10'h073);   // CMD_WINDOW, 0x100..0x1CF
  endfunction

  always_comb begin
    if (rst_ni) begin
      assert (rd_ack == rd_taken_q);
      assert (wr_ack == (taken && req_is_wr));
      if (wr_ack) assert (wr_err == !writable(addr));
      if (rd_ack) assert (rd_err == rd_err_q);
    end
  end

  always_comb begin
    if (rst_ni) begin
      if (bvalid) assert (bresp == (writable(b_addr) ? 2'b00 : 2'b10));
      if (rvalid) assert (rresp == (readable(r_addr) ? 2'b00 : 2'b10));
    end
  end

endmodule
