/*
 * Saving and restoring the floating-point registers for the lazy FPU
 * switch (arch/riscv/fpu.c). The only kernel file assembled with the D
 * extension; the caller has turned sstatus.FS on.
 */
    .option arch, +d
    .text

/* void fpu_save(struct arch_fpu *a0) */
    .global fpu_save
fpu_save:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd f\n, (\n * 8)(a0)
    .endr
    frcsr t0
    sd t0, 256(a0)
    ret

/* void fpu_restore(const struct arch_fpu *a0) */
    .global fpu_restore
fpu_restore:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld f\n, (\n * 8)(a0)
    .endr
    ld t0, 256(a0)
    fscsr t0
    ret
