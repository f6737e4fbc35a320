/* SPDX-License-Identifier: MIT */
/* The stub's first instruction (STUB_LAYOUT_ENTRY) and its way back: stub_entry keeps the ROM's
 * stack and callee-saved registers, sets a0 so that a return from stub_main continues the ROM's
 * boot (protocol doc §8.2), and jumps to stub_main; stub_exit_to_rom does that return from
 * anywhere. stub_layout_rom_return comes from stub_memory.ld (generated from stub_layout.h). */

    .data
    .align  4
    /* a1 (stack pointer), a12..a15 (callee-saved under the call0 ABI) at stub_entry */
stub_rom_regs:
    .word   0, 0, 0, 0, 0

    .section .entry.text, "ax"
    .align  4
    .global stub_entry
    .type   stub_entry, @function
stub_entry:
    .begin  no-transform
    j       .Lentry_body
    .align  4
.Lentry_regs:
    .word   stub_rom_regs
.Lentry_rom_return:
    .word   stub_layout_rom_return
.Lentry_main:
    .word   stub_main
.Lentry_body:
    l32r    a2, .Lentry_regs
    s32i    a1, a2, 0
    s32i    a12, a2, 4
    s32i    a13, a2, 8
    s32i    a14, a2, 12
    s32i    a15, a2, 16
    l32r    a0, .Lentry_rom_return
    l32r    a2, .Lentry_main
    jx      a2
    .end    no-transform
    .size   stub_entry, . - stub_entry

    .section .text.stub_exit_to_rom, "ax"
    .align  4
.Lexit_regs:
    .word   stub_rom_regs
.Lexit_rom_return:
    .word   stub_layout_rom_return
    .global stub_exit_to_rom
    .type   stub_exit_to_rom, @function
stub_exit_to_rom:
    .begin  no-transform
    l32r    a2, .Lexit_regs
    l32i    a1, a2, 0
    l32i    a12, a2, 4
    l32i    a13, a2, 8
    l32i    a14, a2, 12
    l32i    a15, a2, 16
    l32r    a0, .Lexit_rom_return
    ret
    .end    no-transform
    .size   stub_exit_to_rom, . - stub_exit_to_rom
