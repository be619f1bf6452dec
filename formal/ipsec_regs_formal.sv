// Formal top for the generated register block (rtl/regs/generated/ipsec_regs.sv) as an
// AXI4-Lite slave: the protocol (axil_slave_props.sv) and the response of every access as the
// register map (docs/registers.md) says: OKAY for a read of a readable register and a write
// of a writable one, SLVERR for everything else (unmapped addresses, writes to read-only and
// reads of write-only registers). The address's low two bits are ignored, as the block does.
// At most three requests of a kind are open: two in flight inside the block (its response
// buffer) and one in its acceptance register. The hardware side (counters, status) is left free; the command window's external block is
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

  ipsec_regs u_regs (
    .clk(clk_i), .arst_n(rst_ni),
    .s_axil_awready(awready), .s_axil_awvalid(awvalid), .s_axil_awaddr(awaddr),
    .s_axil_awprot(3'b000),
    .s_axil_wready(wready), .s_axil_wvalid(wvalid), .s_axil_wdata(wdata), .s_axil_wstrb(wstrb),
    .s_axil_bready(bready), .s_axil_bvalid(bvalid), .s_axil_bresp(bresp),
    .s_axil_arready(arready), .s_axil_arvalid(arvalid), .s_axil_araddr(araddr),
    .s_axil_arprot(3'b000),
    .s_axil_rready(rready), .s_axil_rvalid(rvalid), .s_axil_rdata(rdata), .s_axil_rresp(rresp),
    .hwif_in(hwif_in), .hwif_out(hwif_out)
  );

  logic [11:0] b_addr, r_addr;

  axil_slave_props #(.AddrW(12), .MaxWait(4), .MaxOutstanding(3)) u_props (
    .clk_i, .rst_ni,
    .awvalid, .awready, .awaddr, .wvalid, .wready, .wdata, .wstrb, .bvalid, .bready, .bresp,
    .arvalid, .arready, .araddr, .rvalid, .rready, .rdata, .rresp,
    .b_addr_o(b_addr), .r_addr_o(r_addr)
  );

  // The register map of docs/registers.md, word addresses.
  function automatic logic readable(input logic [11:0] a);
    logic [9:0] w;
    w = a[11:2];
    readable = (w <= 10'h005)                    // VENDOR_ID .. ENGINE_PARAMS
            || (w >= 10'h008 && w <= 10'h012)    // CAP_* (0x020..0x03C), CONTROL, INTR_ENABLE, INTR_STATUS
            || (w == 10'h015)                    // CMD_STATUS
            || (w >= 10'h018 && w <= 10'h01F)    // RSP_WORD0..7
            || (w >= 10'h080 && w <= 10'h09D);   // the 14 counters and DEC_OVERFLOW_DROP_PACKETS,
                                                 // two words each (0x200..0x274)
  endfunction

  function automatic logic writable(input logic [11:0] a);
    logic [9:0] w;
    w = a[11:2];
    writable = (w == 10'h010) || (w == 10'h011)  // CONTROL, INTR_ENABLE
            || (w == 10'h014) || (w == 10'h016)  // CMD_DOORBELL, RSP_POP
            || (w >= 10'h040 && w <= 10'h064);   // CMD_WINDOW, 0x100..0x193
  endfunction

  always_comb begin
    if (rst_ni) begin
      if (bvalid) assert (bresp == (writable(b_addr) ? 2'b00 : 2'b10));
      if (rvalid) assert (rresp == (readable(r_addr) ? 2'b00 : 2'b10));
    end
  end

endmodule
