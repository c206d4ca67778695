from forms_processor.cli import main

main()
