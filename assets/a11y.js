// Dialogs that the app opens from its state have no Radix trigger, so Radix has nowhere to send
// focus when they close: remember the last element focused outside a dialog and go back to it.
(() => {
  let opener = null;
  document.addEventListener("focusin", (event) => {
    if (!event.target.closest('[role="dialog"], [role="alertdialog"]')) opener = event.target;
  });
  // Radix's alert dialog focuses its Cancel button through a ref that does not reach the
  // rendered button here: put the focus on the dialog's first control instead.
  window.scholarlinkFocusDialog = () => {
    const dialog = document.querySelector('[role="alertdialog"][data-state="open"]');
    if (!dialog || dialog.contains(document.activeElement)) return;
    const first = dialog.querySelector(
      'button:not([disabled]), [href], input:not([disabled]), textarea, select, [tabindex="0"]',
    );
    (first || dialog).focus();
  };
  window.scholarlinkReturnFocus = () => {
    if (opener && opener.isConnected) opener.focus();
  };
})();
